"""Versioned notifications the extension emits, in Nova's envelope."""
