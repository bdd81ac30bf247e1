"""值班值守: models."""
