"""Time-driven shells: durable engine timers (and, later, cron triggers)."""
