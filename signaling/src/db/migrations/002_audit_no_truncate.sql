-- The audit trail was append-only for UPDATE and DELETE; TRUNCATE could still empty it.

create trigger audit_events_no_truncate before truncate on audit_events
  for each statement execute function audit_events_append_only();
