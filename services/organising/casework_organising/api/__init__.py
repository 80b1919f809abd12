"""Organising's REST API, one blueprint per area (campaigns, targets, contacts, results); every view
checks casework_organising.access. The views take the service's objects (the database engine,
:class:`~casework_organising.planning.Campaigns`, the settings) with casework_common.web.dependency."""
