"""The one-machine stack: real servers from package registries, the local identity provider, all services."""
