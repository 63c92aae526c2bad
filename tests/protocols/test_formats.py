"""Protocol files: round trips, errors that name line and field, hostile files."""

import io
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from protocols.formats import (
    ProtocolFileError,
    dump_protocol_file,
    load_protocol_file,
)
from protocols.models import (
    DecisionRule,
    Protocol,
    ProtocolItem,
    ProtocolSection,
    ProtocolVersion,
)
from protocols.services import (
    DEFAULTS_DIR,
    protocol_file_for,
    protocol_import,
    version_publish,
)

DEFAULT_FILES = sorted(DEFAULTS_DIR.glob("*.yaml"))

VALID = """\
format: neddie-protocol/1
slug: grille-lignes
title: Grille pour les lignes
scope: screening
version:
  source_status: synthesis
  sources:
    - Synthèse écrite pour les tests
  sections:
    - key: langage
      title: Langage
      items:
        - key: dix-mots
          label: Plus de 10 mots
          hint: Compte les mots produits spontanément
          answer_type: observation
          role: milestone
          age_months: [24, 36]
    - key: social
      title: Socialisation
      items:
        - key: regard
          label: Regarde l'adulte
          hint: Contact visuel pendant l'échange
          role: milestone
  rules:
    - key: pco
      kind: sign_count
      min_signs: 2
      min_domains: 2
      message: Orienter vers la PCO.
"""


def line_of(text: str, fragment: str, occurrence: int = 1) -> int:
    """1-based number of the line holding the n-th occurrence of ``fragment``."""
    found = [n for n, line in enumerate(text.splitlines(), start=1) if fragment in line]
    return found[occurrence - 1]


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Protocol, ProtocolVersion, ProtocolSection, ProtocolItem, DecisionRule)
    }


def import_command(path: Path, *args) -> str:
    out = io.StringIO()
    call_command("import_protocol", str(path), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


# --- Round trips ------------------------------------------------------------------------------


def test_the_reference_file_is_valid():
    spec = load_protocol_file(VALID)
    assert spec.slug == "grille-lignes"
    assert [s.key for s in spec.version.sections] == ["langage", "social"]
    assert spec.version.sections[0].items[0].age_months == (24, 36)


@pytest.mark.parametrize("path", DEFAULT_FILES, ids=[p.stem for p in DEFAULT_FILES])
def test_default_file_round_trip(db, path):
    original = load_protocol_file(path.read_bytes())
    version = protocol_import(content=path.read_bytes()).version

    exported = dump_protocol_file(protocol_file_for(version))

    assert load_protocol_file(exported) == original
    assert load_protocol_file(exported).content_sha256() == original.content_sha256()


def test_published_default_keeps_the_file_fingerprint(db):
    path = DEFAULTS_DIR / "reperage-tnd-0-7.yaml"
    version = protocol_import(content=path.read_bytes(), publish=True).version
    version.refresh_from_db()
    assert version.content_sha256 == load_protocol_file(path.read_bytes()).content_sha256()


def test_export_command_reimported_under_another_slug_has_identical_content(db):
    source = protocol_import(
        content=(DEFAULTS_DIR / "reperage-tnd-0-7.yaml").read_bytes(), publish=True
    ).version
    source.refresh_from_db()
    out = io.StringIO()
    call_command("export_protocol", "reperage-tnd-0-7", stdout=out)
    text = out.getvalue()
    assert text.startswith("format: neddie-protocol/1\n")
    assert text.count("slug: reperage-tnd-0-7\n") == 1

    copy = protocol_import(
        content=text.replace("slug: reperage-tnd-0-7\n", "slug: reperage-copie\n", 1)
    ).version

    assert copy.protocol.slug == "reperage-copie" and copy.protocol != source.protocol
    assert copy.number == 1
    assert protocol_file_for(copy).version == protocol_file_for(source).version
    assert protocol_file_for(copy).content_sha256() == source.content_sha256
    assert copy.protocol.title == source.protocol.title
    assert copy.protocol.description == source.protocol.description


def test_export_command_picks_a_version_and_writes_a_file(db, tmp_path):
    v1 = protocol_import(content=VALID, publish=True).version
    v2 = protocol_import(content=VALID.replace("title: Langage", "title: Langage oral")).version
    assert (v1.number, v2.number) == (1, 2)

    out = io.StringIO()
    call_command("export_protocol", "grille-lignes", stdout=out)
    assert "title: Langage\n" in out.getvalue()  # the published one by default

    target = tmp_path / "v2.yaml"
    args = ["grille-lignes", "--version", "2", "--output", str(target)]
    call_command("export_protocol", *args, stderr=io.StringIO())
    assert load_protocol_file(target.read_bytes()) == protocol_file_for(v2)

    with pytest.raises(CommandError, match="inconnu"):
        call_command("export_protocol", "nexiste-pas", stdout=io.StringIO())
    with pytest.raises(CommandError, match="Aucune version"):
        call_command("export_protocol", "grille-lignes", "--version", "9", stdout=io.StringIO())


def test_import_command_twice_creates_one_version(db, tmp_path):
    path = tmp_path / "grille.yaml"
    path.write_text(VALID, encoding="utf-8")

    first = import_command(path)
    assert "grille-lignes v1 importée (brouillon)" in first
    second = import_command(path)
    assert "contenu identique" in second
    assert ProtocolVersion.objects.filter(protocol__slug="grille-lignes").count() == 1

    # --publish on the identical file publishes the existing draft, still one version.
    third = import_command(path, "--publish")
    assert "contenu identique" in third
    versions = ProtocolVersion.objects.filter(protocol__slug="grille-lignes")
    assert [(v.number, v.status) for v in versions] == [(1, "published")]


def test_import_command_with_publish_says_published(db, tmp_path):
    path = tmp_path / "grille.yaml"
    path.write_text(VALID, encoding="utf-8")
    output = import_command(path, "--publish")
    assert ProtocolVersion.objects.get(protocol__slug="grille-lignes").status == "published"
    assert "grille-lignes v1 importée (publiée)" in output


def test_import_of_changed_content_creates_the_next_version(db):
    protocol_import(content=VALID, publish=True)
    result = protocol_import(content=VALID.replace("Compte les mots", "Compte tous les mots"))
    assert result.created and result.version.number == 2 and result.version.is_draft
    # The identical file again: nothing new.
    again = protocol_import(content=VALID.replace("Compte les mots", "Compte tous les mots"))
    assert not again.created and again.version == result.version


def test_import_compares_with_the_latest_version_only(db):
    v1 = protocol_import(content=VALID, publish=True).version
    oral = VALID.replace("title: Langage", "title: Oral")
    v2 = protocol_import(content=oral).version
    version_publish(version=v2)

    assert not protocol_import(content=oral).created  # identical to v2, published
    v3 = protocol_import(content=VALID)  # v1's content again: a new version after v2
    assert v3.created and v3.version.number == 3 and v3.version.is_draft
    v1.refresh_from_db()
    assert v1.status == "retired"
    assert protocol_file_for(v3.version).version == protocol_file_for(v1).version


def test_import_command_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match="introuvable"):
        import_command(tmp_path / "absent.yaml")


@pytest.mark.parametrize(
    ("field", "change"),
    [
        (
            "sources[0]",
            (
                "    - Synthèse écrite pour les tests\n",
                "    - |\n      Synthèse écrite pour les tests,\n      2e édition\n",
            ),
        ),
        (
            "examples[0]",
            (
                "          role: milestone\n  rules:",
                "          role: milestone\n          examples:\n            - |\n"
                "              il regarde\n              sa maman\n  rules:",
            ),
        ),
        (
            "keywords[0]",
            (
                "          role: milestone\n  rules:",
                '          role: milestone\n          keywords: ["regard\\nyeux"]\n  rules:',
            ),
        ),
        (
            "vocabulary[0]",
            ("  sections:\n", '  vocabulary: ["M-CHAT\\nPCO"]\n  sections:\n'),
        ),
    ],
)
def test_multiline_list_entries_are_refused(db, field, change):
    """sources, examples, keywords and vocabulary are stored one per line: an entry
    spanning lines would come back as several, so the file is refused instead."""
    content = VALID.replace(*change)
    assert content != VALID
    errors = refused(content)
    assert any(field in e and "ligne " in e for e in errors), errors
    with pytest.raises(ProtocolFileError):
        protocol_import(content=content)
    assert not Protocol.objects.filter(slug="grille-lignes").exists()


def test_vocabulary_round_trips(db):
    content = VALID.replace(
        "  sections:\n", "  vocabulary: [M-CHAT, PCO, orthophoniste]\n  sections:\n"
    )
    version = protocol_import(content=content).version
    assert version.vocabulary_list == ["M-CHAT", "PCO", "orthophoniste"]
    assert load_protocol_file(dump_protocol_file(protocol_file_for(version))) == load_protocol_file(
        content
    )
    assert not protocol_import(content=content).created


# --- Validation errors name line and field -----------------------------------------------------


def refused(content) -> list[str]:
    with pytest.raises(ProtocolFileError) as excinfo:
        load_protocol_file(content)
    assert excinfo.value.errors
    assert str(excinfo.value) == "\n".join(excinfo.value.errors)
    return excinfo.value.errors


def test_missing_hint_names_the_item_line_and_field():
    content = VALID.replace("          hint: Compte les mots produits spontanément\n", "")
    [error] = refused(content)
    assert f"ligne {line_of(content, 'key: dix-mots')}" in error
    assert "version.sections[0].items[0].hint" in error


def test_misspelt_field_is_named():
    content = VALID.replace("label: Plus de 10 mots", "lable: Plus de 10 mots")
    errors = refused(content)
    assert any(f"ligne {line_of(content, 'lable:')}" in e and "items[0].lable" in e for e in errors)
    assert any("items[0].label" in e for e in errors)  # and the real one is missing


def test_wrong_answer_type_is_named():
    content = VALID.replace("answer_type: observation", "answer_type: oui")
    [error] = refused(content)
    assert f"ligne {line_of(content, 'answer_type: oui')}" in error
    assert "answer_type" in error and "observation" in error


def test_reversed_age_band_is_refused():
    content = VALID.replace("age_months: [24, 36]", "age_months: [36, 24]")
    [error] = refused(content)
    assert f"ligne {line_of(content, 'key: dix-mots')}" in error
    assert "age_months" in error and "minimum < maximum" in error


@pytest.mark.parametrize("band", ["[24]", "[24, 36, 48]", "[-1, 12]", "[0, 300]", "douze"])
def test_malformed_age_band_is_refused(band):
    content = VALID.replace("age_months: [24, 36]", f"age_months: {band}")
    errors = refused(content)
    assert any("age_months" in e and "ligne " in e for e in errors)


def test_duplicate_item_key_across_sections_names_the_second_one():
    content = VALID.replace("- key: regard", "- key: dix-mots")
    [error] = refused(content)
    assert f"ligne {line_of(content, 'key: dix-mots', occurrence=2)}" in error
    assert "sections[1].items[0].key" in error
    assert "« dix-mots »" in error


def test_sign_count_rule_without_min_signs_is_refused():
    content = VALID.replace("      min_signs: 2\n", "")
    [error] = refused(content)
    assert f"ligne {line_of(content, 'key: pco')}" in error
    assert "version.rules[0]" in error and "min_signs" in error


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (("format: neddie-protocol/1", "format: neddie-protocol/2"), "format"),
        (("slug: grille-lignes", "slug: Grille Lignes"), "slug"),
        (("scope: screening", "scope: depistage"), "scope"),
        (("role: milestone", "role: jalon"), "role"),
        (("kind: sign_count", "kind: tout"), "kind"),
        (("    - Synthèse écrite pour les tests\n", "    []\n"), "sources"),
        (("title: Langage\n", "title: ''\n"), "title"),
        (("source_status: synthesis", "source_status: officielle"), "source_status"),
    ],
)
def test_other_invalid_values_name_the_field(change, fragment):
    content = VALID.replace(*change)
    assert content != VALID
    errors = refused(content)
    assert any(fragment in e and "ligne " in e for e in errors)


def test_every_problem_is_listed_at_once():
    content = VALID.replace("answer_type: observation", "answer_type: oui").replace(
        "role: milestone\n  rules:", "role: jalon\n  rules:"
    )
    errors = refused(content)
    assert len(errors) == 2
    assert any("answer_type" in e for e in errors) and any("role" in e for e in errors)


def test_unquoted_date_is_refused_with_advice():
    content = VALID.replace("title: Langage\n", "title: 2024-01-01\n")
    [error] = refused(content)
    assert f"ligne {line_of(content, 'title: 2024-01-01')}" in error
    assert "guillemets" in error


def test_invalid_file_changes_nothing_in_database(db, tmp_path):
    protocol_import(content=VALID, publish=True)
    before = counts()
    content = VALID.replace("answer_type: observation", "answer_type: oui").replace(
        "title: Grille pour les lignes", "title: Titre changé"
    )
    with pytest.raises(ProtocolFileError):
        protocol_import(content=content)
    assert counts() == before
    assert Protocol.objects.get(slug="grille-lignes").title == "Grille pour les lignes"

    path = tmp_path / "grille.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError) as excinfo:
        import_command(path, "--publish")
    assert "grille.yaml" in str(excinfo.value)
    assert f"ligne {line_of(content, 'answer_type: oui')}" in str(excinfo.value)
    assert counts() == before


def test_invalid_new_protocol_is_not_created(db):
    content = VALID.replace("slug: grille-lignes", "slug: grille-neuve").replace(
        "      min_signs: 2\n", ""
    )
    with pytest.raises(ProtocolFileError):
        protocol_import(content=content, publish=True)
    assert not Protocol.objects.filter(slug="grille-neuve").exists()


# --- Hostile files ----------------------------------------------------------------------------


def billion_laughs() -> str:
    lines = ["a: &a [" + ", ".join(["lol"] * 10) + "]"]
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def nested(depth: int) -> str:
    return VALID.replace("title: Langage\n", "title: " + "[" * depth + "x" + "]" * depth + "\n")


HOSTILE = {
    "python-object-apply": (
        VALID.replace("title: Langage\n", 'title: !!python/object/apply:os.system ["{cmd}"]\n'),
        "étiquette",
    ),
    "python-name": (
        VALID.replace("title: Langage\n", "title: !!python/name:os.system ''\n"),
        "étiquette",
    ),
    "custom-tag-scalar": (
        VALID.replace("title: Langage\n", "title: !secret Langage\n"),
        "étiquette",
    ),
    "custom-tag-mapping": (VALID.replace("version:\n", "version: !grille\n"), "étiquette"),
    "billion-laughs": (billion_laughs(), "alias"),
    "alias-in-valid-file": (
        VALID.replace("hint: Contact visuel pendant l'échange", "hint: *h").replace(
            "hint: Compte", "hint: &h Compte"
        ),
        "alias",
    ),
    "nesting-50": (nested(50), "imbrication trop profonde"),
    "nesting-100000": (nested(100_000), "imbrication trop profonde"),
    "two-megabytes": (VALID + "# " + "x" * 2_000_000 + "\n", "trop volumineux"),
    "just-over-limit": (VALID + "#" * (1_000_001 - len(VALID.encode())), "trop volumineux"),
    "latin-1": (VALID.encode("latin-1"), "UTF-8"),
    "binary": (b"\x00\xff\xfe\x80garbage", "UTF-8"),
    "empty": (b"", "vide"),
    "only-comments": ("# rien\n\n", "vide"),
    "top-level-list": ("- format: neddie-protocol/1\n- slug: x\n", "racine"),
    "top-level-scalar": ("neddie-protocol/1\n", "racine"),
    "duplicate-top-key": (
        VALID.replace("scope: screening\n", "scope: screening\nslug: autre-grille\n"),
        "« slug » en double",
    ),
    "duplicate-nested-key": (
        VALID.replace(
            "role: milestone\n  rules:", "role: risk_factor\n          role: milestone\n  rules:"
        ),
        "« role » en double",
    ),
    "non-text-key": (VALID.replace("scope: screening\n", "scope: screening\n1: un\n"), "texte"),
    "merge-key": (VALID.replace("version:\n", "version:\n  <<: {notes: fusion}\n"), "texte"),
    "broken-yaml": (VALID.replace("title: Langage\n", "title: [Langage\n"), "YAML invalide"),
}


@pytest.mark.parametrize("case", list(HOSTILE), ids=list(HOSTILE))
def test_hostile_file_is_refused_and_changes_nothing(protocol, tmp_path, case):
    marker = tmp_path / "pwned"
    content, expected = HOSTILE[case]
    if isinstance(content, str):
        content = content.replace("{cmd}", f"touch {marker}").encode("utf-8")
    before = counts()

    started = time.monotonic()
    with pytest.raises(ProtocolFileError) as excinfo:
        protocol_import(content=content, publish=True)
    elapsed = time.monotonic() - started

    assert expected in str(excinfo.value)
    assert counts() == before
    assert not marker.exists()
    if case != "nesting-100000":  # that one unwinds a deep recursion in the YAML composer
        assert elapsed < 1.0, f"{case} took {elapsed:.2f} s"

    path = tmp_path / "hostile.yaml"
    path.write_bytes(content)
    with pytest.raises(CommandError) as command_error:
        import_command(path, "--publish")
    assert "hostile.yaml" in str(command_error.value)
    assert expected in str(command_error.value)
    assert counts() == before
    assert not marker.exists()


def test_billion_laughs_is_refused_without_expanding(db):
    content = billion_laughs()
    started = time.monotonic()
    with pytest.raises(ProtocolFileError, match="ancres et alias"):
        load_protocol_file(content)
    assert time.monotonic() - started < 1.0


def test_depth_limit_is_twelve_levels():
    # A section title sits at depth 4 (root 0, version, sections, [0], title): wrapped in
    # 8 lists its innermost value is at depth 12, the limit; 9 lists go over it.
    assert load_protocol_file(nested(0))
    errors_8 = refused(nested(8))
    assert not any("imbrication" in e for e in errors_8)  # deep but allowed: wrong type only
    assert any("imbrication trop profonde" in e for e in refused(nested(9)))


def test_an_unused_anchor_is_refused_as_documented():
    content = VALID.replace("title: Langage\n", "title: &t Langage\n")
    [error] = refused(content)
    assert f"ligne {line_of(content, '&t')}" in error and "ancres" in error
