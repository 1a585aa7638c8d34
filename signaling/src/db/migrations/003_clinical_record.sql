-- The care plan as a clinical record: organisations with their units, practitioners with HPR
-- numbers, relatives, care-team periods with one coordinator, the patient's consents, and the plan
-- as one document changed only by operations, with snapshots to read earlier versions from.

alter table organisations add column part_of text references organisations (id);
alter table organisations add column service text check (service in (
  'hospital_department', 'home_care', 'nursing_home', 'allocation_office', 'coordination_unit',
  'gp_office', 'other'));

alter table persons add column given_name text;
alter table persons add column family_name text;
-- Helsepersonellregisteret number, for practitioners.
alter table persons add column hpr_number text;

alter table patients add column interpreter_language text;
alter table patients add column gp_person_id text references persons (id);
-- The hospital that treats the patient: its staff need no consent to read the plan.
alter table patients add column treating_organisation_id text references organisations (id);
-- Patients from before this migration are treated by the hospital whose staff are in their care
-- team. From now on, team members from anywhere else read the plan only with a recorded consent.
update patients pt set treating_organisation_id = (
  select o.id from care_team_members m
    join persons p on p.id = m.person_id
    join organisations o on o.id = p.organisation_id
   where m.patient_id = pt.id and o.kind = 'hospital'
   order by o.id limit 1);
alter table patients add constraint patients_identifier_system check (identifier_system in (
  'urn:oid:2.16.578.1.12.4.1.4.1', 'urn:oid:2.16.578.1.12.4.1.4.2'));

create table related_persons (
  patient_id text not null references patients (id),
  person_id text not null references persons (id),
  relationship text not null check (relationship in (
    'spouse', 'partner', 'child', 'parent', 'sibling', 'friend', 'neighbour', 'other')),
  is_next_of_kin boolean not null default false,
  primary key (patient_id, person_id)
);

alter table care_team_members add column organisation_id text references organisations (id);
alter table care_team_members add column period_start date not null default current_date;
alter table care_team_members add column period_end date;
update care_team_members m set organisation_id = p.organisation_id
  from persons p where p.id = m.person_id;

-- Exactly one coordinator at any time: at most one open-ended coordinator per patient here, and
-- the service refuses to end one without naming the next.
create unique index care_team_one_coordinator on care_team_members (patient_id)
  where role = 'coordinator' and period_end is null;

-- What the patient has agreed to. `individual_plan`: to having an individual plan; `share_care_plan`:
-- to sharing the plan with an organisation outside the treating hospital, or with a relative.
create table consents (
  id text primary key,
  patient_id text not null references patients (id),
  scope text not null check (scope in ('individual_plan', 'share_care_plan')),
  grantee_organisation_id text references organisations (id),
  grantee_person_id text references persons (id),
  given_on date not null,
  recorded_by text not null references persons (id),
  recorded_at timestamptz not null default clock_timestamp(),
  withdrawn_at timestamptz,
  withdrawn_by text references persons (id),
  check (
    (scope = 'individual_plan' and grantee_organisation_id is null and grantee_person_id is null)
    or (scope = 'share_care_plan' and num_nonnulls(grantee_organisation_id, grantee_person_id) = 1)
  ),
  check ((withdrawn_at is null) = (withdrawn_by is null))
);

create index consents_patient on consents (patient_id) where withdrawn_at is null;

-- The plan becomes one document. Goals and actions move into it; the fields' change versions
-- start at the version each action was last changed in, so conflicts are still detected.
-- The service that used to be named as responsible for an action, as the organisation of the
-- patient's care team of that kind; the patient for 'patient'; else the coordinator.
create function legacy_responsible(patient text, party text) returns jsonb language sql as $$
  select coalesce(
    case party
      when 'patient' then (
        select jsonb_build_object('kind', 'person', 'id', person_id) from patients where id = patient)
      else (
        select jsonb_build_object('kind', 'organisation', 'id', o.id)
          from care_team_members m join organisations o on o.id = m.organisation_id
         where m.patient_id = patient
           and o.kind = case party when 'gp' then 'gp_office' else party end
         order by o.id limit 1)
    end,
    (select jsonb_build_object('kind', 'person', 'id', person_id) from care_team_members
      where patient_id = patient and role = 'coordinator' order by person_id limit 1),
    (select jsonb_build_object('kind', 'person', 'id', person_id) from patients where id = patient))
$$;

alter table care_plans add column document jsonb;

update care_plans cp set document = jsonb_build_object(
  'status', 'active',
  'isIndividualPlan', false,
  'periodStart', null,
  'periodEnd', null,
  'nextReview', null,
  'sections', jsonb_build_object(
    'whatMatters', cp.what_matters, 'resourcesAndNeeds', '', 'participants', '',
    'contributions', '', 'implementation', '', 'cooperation', '', 'crisisWarningSigns', '',
    'crisisWhatToDo', '', 'crisisContacts', '', 'crisisHowToMeet', ''),
  'goals', coalesce((
    select jsonb_agg(jsonb_build_object(
      'id', g.id, 'description', g.description, 'priority', g.priority,
      'targetDate', g.target_date::text, 'lifecycleStatus', 'active',
      'achievementStatus', null, 'evaluations', '[]'::jsonb) order by g.position, g.id)
    from goals g where g.plan_id = cp.id), '[]'::jsonb),
  'actions', coalesce((
    select jsonb_agg(jsonb_build_object(
      'id', a.id, 'description', a.description,
      'responsible', legacy_responsible(cp.patient_id, a.responsible),
      'status', a.status, 'goalId', a.goal_id, 'dueDate', a.due_date::text,
      'createdAt', to_char(a.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
      order by a.created_version, a.created_at, a.id)
    from plan_actions a where a.plan_id = cp.id), '[]'::jsonb),
  'notes', '[]'::jsonb,
  'changed', coalesce((
    select jsonb_object_agg('actions.' || a.id || '.status', a.changed_version)
    from plan_actions a where a.plan_id = cp.id and a.changed_version > a.created_version),
    '{}'::jsonb)
);

alter table care_plans alter column document set not null;
alter table care_plans drop column what_matters;

-- Operations stored before this migration named the responsible party by service; they now name
-- the organisation (or person) the migration chose for the plan's actions.
update plan_operations o set operation = jsonb_set(o.operation, '{responsible}',
    legacy_responsible(cp.patient_id, o.operation ->> 'responsible'))
  from care_plans cp
 where cp.id = o.plan_id and o.operation ->> 'type' = 'action.add'
   and jsonb_typeof(o.operation -> 'responsible') = 'string';

drop table plan_actions;
drop table goals;
drop function legacy_responsible(text, text);

-- A plan's document at some versions. An earlier version is read by replaying operations on the
-- nearest snapshot before it.
-- LIMITATION: plans that existed before this migration can be read back from the version they had
-- then, not before; their earlier history is still listed.
create table plan_snapshots (
  plan_id text not null references care_plans (id),
  version integer not null,
  document jsonb not null,
  -- When the plan reached this version.
  updated_at timestamptz not null,
  primary key (plan_id, version)
);

insert into plan_snapshots (plan_id, version, document, updated_at)
  select id, version, document, updated_at from care_plans;

create index audit_events_patient_action on audit_events (patient_id, action, occurred_at);
