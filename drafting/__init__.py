"""Drafting: from transcripts to a report along the protocol grid.

The core works on plain dataclasses so that the command line (transcript JSON files) and
the application (transcripts in the database) take the same path:

    utterances  → routing (embeddings + keywords) → per section: LLM (structured output)
    → verification against the cited evidence → extractive fallback → contradictions

``drafting.services`` stores a draft on a report; edits are proposals kept as
section versions.
"""
