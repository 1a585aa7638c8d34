-- Teamrom's first schema: people, care teams, meetings, the care plan and its history, and audit.

create table organisations (
  id text primary key,
  name text not null,
  kind text not null check (kind in ('hospital', 'municipality', 'gp_office')),
  -- The clinic, department or service within the organisation, shown next to a person's role.
  unit text
);

create table persons (
  id text primary key,
  kind text not null check (kind in ('practitioner', 'patient', 'relative')),
  display_name text not null,
  organisation_id text references organisations (id)
);

create table patients (
  id text primary key,
  person_id text not null unique references persons (id),
  identifier_system text not null,
  identifier_value text not null,
  birth_date date not null,
  preferred_language text not null default 'nb',
  unique (identifier_system, identifier_value)
);

create table care_team_members (
  patient_id text not null references patients (id),
  person_id text not null references persons (id),
  role text not null check (role in ('coordinator', 'physician', 'nurse', 'gp', 'relative', 'interpreter')),
  primary key (patient_id, person_id)
);

create table meetings (
  id text primary key,
  patient_id text not null references patients (id),
  title text not null,
  created_at timestamptz not null default now()
);

create table care_plans (
  id text primary key,
  patient_id text not null references patients (id),
  version integer not null default 0,
  what_matters text not null default '',
  updated_at timestamptz not null default now()
);

create table goals (
  id text primary key,
  plan_id text not null references care_plans (id),
  description text not null,
  priority text not null check (priority in ('high', 'medium', 'low')),
  target_date date,
  position integer not null
);

create table plan_actions (
  id text primary key,
  plan_id text not null references care_plans (id),
  goal_id text references goals (id),
  description text not null,
  responsible text not null check (responsible in ('hospital', 'municipality', 'gp', 'patient', 'relative')),
  status text not null check (status in ('open', 'done')),
  due_date date,
  created_version integer not null,
  changed_version integer not null,
  created_at timestamptz not null default now()
);

create index plan_actions_plan on plan_actions (plan_id, created_at);

-- Every applied change, in order: the plan's history and the record of idempotency keys.
create table plan_operations (
  plan_id text not null references care_plans (id),
  version integer not null,
  idempotency_key uuid not null,
  author_id text not null references persons (id),
  operation jsonb not null,
  applied_at timestamptz not null default now(),
  primary key (plan_id, version),
  unique (plan_id, idempotency_key)
);

-- Who accessed what, when, with what outcome. Never any care-plan text.
create table audit_events (
  id bigint generated always as identity primary key,
  occurred_at timestamptz not null default now(),
  actor_id text,
  actor_role text,
  organisation_id text,
  patient_id text,
  meeting_id text,
  action text not null,
  outcome text not null check (outcome in ('success', 'denied', 'conflict', 'error'))
);

create index audit_events_patient on audit_events (patient_id, occurred_at);

create function audit_events_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit_events is append-only';
end;
$$;

create trigger audit_events_no_change before update or delete on audit_events
  for each statement execute function audit_events_append_only();
