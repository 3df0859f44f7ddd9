"""`ndt-customer diff`: every change between two versions of the contract, classified.

`documents` walks the two resolved documents, `schema` compares schemas, `rules` names each
kind of change with its severity and the rule it rests on, `version` judges the version bump,
`sources` reads a version from a folder or a git revision, `report` renders text, Markdown and
JUnit, and `cli` is the command.
"""
