"""Evaluation: translation quality in sentence and document mode, and provenance alignment accuracy."""
