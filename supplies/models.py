"""装备物资: models."""
