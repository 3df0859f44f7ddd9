"""`--record DIR`: the profiles the upstream returns, anonymised, as a dataset the mock reads."""

from validation_proxy.record.pseudonyms import Pseudonyms
from validation_proxy.record.recording import Recording

__all__ = ["Pseudonyms", "Recording"]
