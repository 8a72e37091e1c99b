-- PostgreSQL roles for a shuangsui ledger (README, "Deploying"). Run as a superuser:
--   psql -v ON_ERROR_STOP=1 -f deploy/postgres-roles.sql
-- Two roles:
--   shuangsui_owner  owns the database and the schema: it creates the tables, triggers
--                    and indexes (the first 'shuangsui init', and any later upgrade).
--                    Used only for those steps, by an administrator.
--   shuangsui_app    the service's role: reads and appends, never changes the schema
--                    (no CREATE, no ALTER, no DROP, no TRUNCATE). The append-only
--                    triggers refuse UPDATE and DELETE on the chain tables whoever asks.
-- Set the passwords with \password afterwards (or use peer/cert authentication).
CREATE ROLE shuangsui_owner LOGIN;
CREATE ROLE shuangsui_app LOGIN;
CREATE DATABASE shuangsui OWNER shuangsui_owner;
\connect shuangsui
REVOKE ALL ON DATABASE shuangsui FROM PUBLIC;
GRANT CONNECT ON DATABASE shuangsui TO shuangsui_app;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO shuangsui_owner;
GRANT USAGE ON SCHEMA public TO shuangsui_app;
-- Tables the owner creates from now on: the service may read and append. UPDATE is
-- granted only because 'LOCK TABLE ... IN EXCLUSIVE MODE' (how writers take turns)
-- requires it; the append-only triggers refuse every UPDATE and DELETE on the log.
-- The owner creates the tables once ('shuangsui init --create-tables-only'); the
-- service then runs as shuangsui_app with SHUANGSUI_CREATE_TABLES=n, so it never
-- issues CREATE TABLE IF NOT EXISTS (which PostgreSQL refuses to this role).
ALTER DEFAULT PRIVILEGES FOR ROLE shuangsui_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE ON TABLES TO shuangsui_app;
ALTER DEFAULT PRIVILEGES FOR ROLE shuangsui_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO shuangsui_app;
-- Tables that already exist (a database initialised before this script ran):
GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO shuangsui_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO shuangsui_app;
