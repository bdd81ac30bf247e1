from django.apps import AppConfig


class YingjiConfig(AppConfig):
    """Project-wide checks and lookups; holds no concrete models."""

    name = "yingji"
    verbose_name = "Yingji"

    def ready(self) -> None:
        from yingji import checks  # noqa: F401  (registers system checks)
