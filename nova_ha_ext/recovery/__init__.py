"""Host recovery as the API performs it: find, guard, select, record."""
