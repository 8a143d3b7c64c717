"""The line-fitting task's page and what its runs offer."""
