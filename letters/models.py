"""责任状: models."""
