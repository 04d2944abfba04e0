-- The role the API and the worker connect as (README "Two PostgreSQL roles"): it owns nothing, so it can neither
-- alter the event log nor disable its append-only triggers. `lotse migrate`, run as the owner, grants it exactly what
-- the service needs. Runs once, when the database cluster is created.
CREATE ROLE lotse_runtime LOGIN PASSWORD 'lotse_runtime';
