"""Denshi Hoshō API: the Litestar application and its domains."""
