"""The offline demo (`depesha demo`): sample releases, the local site serving them, the runner."""
