from django.db import models
from django.utils.translation import gettext_lazy as _


class ChangeAction(models.TextChoices):
    CREATE = "create", _("新建")
    UPDATE = "update", _("修改")
    ARCHIVE = "archive", _("归档")
    RESTORE = "restore", _("恢复")
    DELETE = "delete", _("删除")
