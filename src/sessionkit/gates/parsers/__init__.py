"""Output parsers: one Protocol (``base.Parser``), one module per tool family, one registry."""
