"""`manage.py create_user USERNAME --role ROLE --jurisdiction CODE --password PASSWORD`."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.roles import Role
from accounts.services import create_account
from jurisdictions.models import Jurisdiction
from people.models import Person
from yingji.context import acting_as_system


class Command(BaseCommand):
    help = "创建一个限定在某辖区的账号。角色：" + ", ".join(f"{r.value}（{r.label}）" for r in Role)

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values, help="角色（英文小写名）")
        parser.add_argument("--jurisdiction", required=True, help="辖区代码，例如 330225001")
        parser.add_argument("--password", required=True)
        parser.add_argument("--person-name", default=None, help="同时登记对应人员的姓名")
        parser.add_argument("--mobile", default="", help="对应人员的手机号")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            node = Jurisdiction.unscoped.get(code=options["jurisdiction"])
        except Jurisdiction.DoesNotExist as exc:
            raise CommandError(f"辖区代码 {options['jurisdiction']} 不存在") from exc
        with acting_as_system("create_user"), transaction.atomic():
            person = None
            if options["person_name"]:
                person = Person(name=options["person_name"], mobile=options["mobile"] or "", jurisdiction=node)
                person.save()
            try:
                user = create_account(
                    username=options["username"],
                    role=options["role"],
                    jurisdiction=node,
                    password=options["password"],
                    person=person,
                )
            except ValidationError as exc:
                lines = [f"{field}: {'; '.join(msgs)}" for field, msgs in exc.message_dict.items()]
                raise CommandError("无法创建账号：\n" + "\n".join(lines)) from exc
        self.stdout.write(self.style.SUCCESS(f"已创建账号 {user.username}（{user.get_role_display()}，{node.name}）"))
