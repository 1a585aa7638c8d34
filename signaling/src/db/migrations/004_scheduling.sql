-- Scheduled meetings with their participants and answers, the personal links that let patients
-- and relatives in without an account, and the coordinator's worklist of patients who may need a
-- patient-centred team.

-- A meeting is either scheduled (a start, a length, maybe a recurrence, in a time zone) or an
-- ad-hoc room that is open whenever someone in the patient's care joins it. Meetings from before
-- this migration, such as the demo's, have no start and stay ad-hoc rooms.
alter table meetings add column kind text not null default 'adhoc'
  check (kind in ('scheduled', 'adhoc'));
alter table meetings add column purpose text;
-- The first occurrence. Later ones follow `rrule` in `time_zone`'s wall-clock time, so that a
-- weekly 10:00 meeting stays at 10:00 when daylight saving time begins or ends.
alter table meetings add column starts_at timestamptz;
alter table meetings add column duration_minutes integer check (duration_minutes between 5 and 480);
-- RFC 5545 RRULE value, normalised by the server (UNTIL in UTC), or null for a single meeting.
alter table meetings add column rrule text;
alter table meetings add column time_zone text not null default 'Europe/Oslo';
alter table meetings add column status text not null default 'scheduled'
  check (status in ('scheduled', 'cancelled'));
-- iCalendar SEQUENCE: raised by every reschedule and the cancellation, under the same UID.
alter table meetings add column sequence integer not null default 0 check (sequence >= 0);
alter table meetings add column ical_uid text unique;
alter table meetings add column created_by text references persons (id);
alter table meetings add column updated_at timestamptz not null default now();
update meetings set updated_at = created_at;
alter table meetings add constraint meetings_scheduled_complete check (
  kind = 'adhoc'
  or (starts_at is not null and duration_minutes is not null and ical_uid is not null
      and created_by is not null and purpose is not null));

create index meetings_patient_starts on meetings (patient_id, starts_at);

-- Who is invited, whether their presence is required, and what they answered. A participant taken
-- off the meeting keeps their row (removed_at) so that their calendar can be sent a cancellation.
create table meeting_participants (
  meeting_id text not null references meetings (id),
  person_id text not null references persons (id),
  role text not null check (role in (
    'coordinator', 'physician', 'nurse', 'gp', 'patient', 'relative', 'interpreter')),
  required boolean not null default true,
  response text not null default 'needs-action'
    check (response in ('needs-action', 'accepted', 'declined')),
  responded_at timestamptz,
  -- The person themselves, or someone in the team who wrote down an answer given by phone.
  responded_by text references persons (id),
  -- The language of this participant's invitation text.
  language text not null default 'nb',
  -- The language an interpreter interprets to and from.
  interpreter_language text,
  removed_at timestamptz,
  primary key (meeting_id, person_id),
  check ((response = 'needs-action') = (responded_at is null)),
  check ((role = 'interpreter') = (interpreter_language is not null))
);

create index meeting_participants_person on meeting_participants (person_id)
  where removed_at is null;

-- Personal links for the patient, relatives and interpreters, who have no account. The link is
-- signed; this row is what makes it usable: it can be revoked, and it binds to the first device
-- that enters the meeting with it, which keeps a random key of which only the hash is stored
-- here. Another device presenting the link is refused.
create table meeting_links (
  id text primary key,
  meeting_id text not null references meetings (id),
  person_id text not null references persons (id),
  issued_at timestamptz not null default now(),
  issued_by text not null references persons (id),
  revoked_at timestamptz,
  -- SHA-256, hex, of the device key handed to the first browser that entered with the link.
  device_key_hash text,
  bound_at timestamptz,
  last_opened_at timestamptz,
  check ((device_key_hash is null) = (bound_at is null))
);

create unique index meeting_links_one_live on meeting_links (meeting_id, person_id)
  where revoked_at is null;

-- The worklist: people an organisation may offer a patient-centred team, from simple criteria
-- entered by hand or imported from an extract of the record. Keyed by the organisation at the top
-- (a municipality, a hospital), whose coordinators share the list.
create table worklist_candidates (
  id text primary key,
  organisation_id text not null references organisations (id),
  -- The reference the record extract uses for the person; unique within the organisation.
  external_ref text not null,
  display_name text not null,
  age integer not null check (age between 0 and 130),
  long_term_conditions integer not null check (long_term_conditions between 0 and 50),
  emergency_admissions_12m integer not null check (emergency_admissions_12m between 0 and 365),
  bed_days_12m integer not null check (bed_days_12m between 0 and 366),
  municipality text not null,
  source text not null check (source in ('csv', 'entered')),
  recorded_at timestamptz not null default now(),
  recorded_by text not null references persons (id),
  unique (organisation_id, external_ref)
);

-- An organisation's thresholds. Without a row the server's defaults apply.
create table worklist_thresholds (
  organisation_id text primary key references organisations (id),
  min_age integer not null check (min_age between 0 and 130),
  min_long_term_conditions integer not null check (min_long_term_conditions between 0 and 50),
  min_emergency_admissions integer not null check (min_emergency_admissions between 0 and 365),
  min_bed_days integer not null check (min_bed_days between 0 and 366),
  -- How many of the four criteria above must be met.
  min_criteria_met integer not null check (min_criteria_met between 1 and 4),
  -- Municipalities served; empty: any.
  municipalities text[] not null default '{}',
  updated_at timestamptz not null default now(),
  updated_by text not null references persons (id)
);
