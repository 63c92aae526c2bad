"""How a person is named on pages, in documents and in emails: their full name, or their
username when the account has none."""

from django.contrib.auth.models import AbstractBaseUser


def display_name(user: AbstractBaseUser | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
