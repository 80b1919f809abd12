"""The real servers the local stack runs, in start order."""

from casework_local.servers.base import Server
from casework_local.servers.clamav import ClamAV
from casework_local.servers.idp import IdentityProvider
from casework_local.servers.kafka import Kafka
from casework_local.servers.opensearch import OpenSearch
from casework_local.servers.postgres import Postgres
from casework_local.servers.s3 import S3
from casework_local.servers.smtp import Smtp

ALL: tuple[type[Server], ...] = (Postgres, Kafka, OpenSearch, S3, Smtp, IdentityProvider, ClamAV)

__all__ = ["ALL", "S3", "ClamAV", "IdentityProvider", "Kafka", "OpenSearch", "Postgres", "Server", "Smtp"]
