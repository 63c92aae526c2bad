"""URLs of the pathway's views by their name alone: each app has its own namespace, and the
names are unique across them (tests/security/test_permission_matrix.py checks it)."""

from functools import cache

from django.urls import URLPattern, URLResolver, get_resolver, reverse


@cache
def _namespaces() -> dict[str, str]:
    found = {}

    def walk(patterns, namespace=None):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, entry.namespace or namespace)
            elif isinstance(entry, URLPattern) and namespace and entry.name:
                found[entry.name] = namespace

    walk(get_resolver().url_patterns)
    return found


def pathway_url(name: str, *args, **kwargs) -> str:
    return reverse(f"{_namespaces()[name]}:{name}", *args, **kwargs)
