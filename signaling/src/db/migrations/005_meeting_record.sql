-- The meeting record: who was in a meeting from when to when, and the meeting leader's
-- confirmation that everyone had been introduced. And whether a meeting has a waiting room.

-- Patients, relatives and interpreters wait until a team member lets them in, unless a meeting
-- turns its waiting room off.
alter table meetings add column waiting_room boolean not null default true;

-- One row per stay in a meeting: a person sent back to the waiting room and let in again has two.
-- A stay is known by its peer and the moment it began, so that its end can be written even when
-- the write of its beginning has not landed yet.
create table meeting_attendance (
  peer_id text not null,
  joined_at timestamptz not null,
  meeting_id text not null references meetings (id),
  person_id text not null references persons (id),
  role text not null,
  organisation_id text references organisations (id),
  left_at timestamptz,
  leave_reason text check (leave_reason in (
    'left', 'disconnected', 'replaced', 'media_lost', 'returned')),
  primary key (peer_id, joined_at),
  check ((left_at is null) = (leave_reason is null))
);

create index meeting_attendance_meeting on meeting_attendance (meeting_id, joined_at);

-- The leader confirms that everyone in the meeting has been introduced; later arrivals are
-- introduced and confirmed again, so a meeting may have several confirmations.
create table meeting_introductions (
  id bigint generated always as identity primary key,
  meeting_id text not null references meetings (id),
  confirmed_by text not null references persons (id),
  -- The leader's role in this patient's care when they confirmed.
  confirmed_by_role text not null,
  confirmed_at timestamptz not null default clock_timestamp(),
  -- The people in the meeting at that moment, as a JSON array of person ids.
  person_ids jsonb not null
);

create index meeting_introductions_meeting on meeting_introductions (meeting_id, confirmed_at);
