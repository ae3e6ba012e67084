"""The shells around the core: settings, the catalogue application service, the CLI (and HTTP)."""
