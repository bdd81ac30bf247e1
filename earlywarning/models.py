"""预警: models."""
