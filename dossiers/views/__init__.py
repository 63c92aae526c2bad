"""Thin views, one module per part of the app: fetch through a scoped selector (404 for
outsiders), check the permission (dossiers/permissions.py, 403 with a reason), validate with
a form, call one service, render or redirect. Every read of patient data is audited."""
