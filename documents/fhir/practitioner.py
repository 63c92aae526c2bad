"""The professionals: authors and signer of the report, author and coordinator of the plan."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from documents.fhir.common import full_url


def practitioner_resource(user: AbstractBaseUser) -> dict[str, Any]:
    """The professional's name only (no login, no e-mail)."""
    first = getattr(user, "first_name", "").strip()
    last = getattr(user, "last_name", "").strip()
    name: dict[str, Any] = {"text": " ".join(part for part in (first, last) if part)}
    if last:
        name["family"] = last
    if first:
        name["given"] = [first]
    if not name["text"]:
        name["text"] = user.get_username()
    return {"resourceType": "Practitioner", "name": [name]}


def display_name(user: AbstractBaseUser) -> str:
    return practitioner_resource(user)["name"][0]["text"]


class Practitioners:
    """Each professional once in the bundle, however many times referenced."""

    def __init__(self):
        self.users: dict[Any, AbstractBaseUser] = {}

    def url(self, user: AbstractBaseUser) -> str:
        self.users.setdefault(user.pk, user)
        return full_url("practitioner", user.pk)
