"""The dataset: the table contract (schema), reading and typing the tables, validation,
the municipality reference, the Frictionless descriptor and the scope of an edition."""
