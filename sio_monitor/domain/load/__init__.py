"""Load runs: what each virtual user does, and the figures a run reports (no Locust here)."""
