"""救援队伍: models."""
