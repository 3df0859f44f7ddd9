"""The Customer API mock: a connexion app over the fixtures dataset, driven by the contract."""

from mock_server.app import create_app
from mock_server.settings import Settings

__all__ = ["Settings", "create_app"]
