"""`ndt-customer lint`: the contract checked file by file (`rules`), and the command (`cli`)."""
