"""The Customer API contract: the resolved OpenAPI document and what can be read off it."""

from ndt_contract.loader import Contract, ContractError, Operation, load_contract, spec_root

__all__ = ["Contract", "ContractError", "Operation", "load_contract", "spec_root"]
