-- PostgreSQL roles for a shuangsui ledger (README, "Deploying"). Run once as a superuser:
--   psql -v ON_ERROR_STOP=1 -f deploy/postgres-roles.sql
-- Two roles:
--   shuangsui_owner  owns the database and its schema: it alone creates the tables,
--                    indexes and triggers. Used only for that step (and again after an
--                    upgrade), by an administrator, never by the service.
--   shuangsui_app    the service's role: CONNECT here; read and append only once the
--                    owner has created the tables and granted it (below). No CREATE,
--                    ALTER, DROP, TRUNCATE or DELETE; not the tables' owner, so it can
--                    neither drop nor disable the append-only triggers.
-- Set the passwords with \password afterwards (or use peer/cert authentication).
CREATE ROLE shuangsui_owner LOGIN;
CREATE ROLE shuangsui_app LOGIN;
CREATE DATABASE shuangsui OWNER shuangsui_owner;
REVOKE ALL ON DATABASE shuangsui FROM PUBLIC;
GRANT CONNECT ON DATABASE shuangsui TO shuangsui_app;
\connect shuangsui
ALTER SCHEMA public OWNER TO shuangsui_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
-- Next, as shuangsui_owner, create the tables and grant the service role exactly what
-- it needs (the code's own list, printed as it is executed; run it again after an
-- upgrade that adds a table):
--   shuangsui --database-url postgresql://shuangsui_owner@127.0.0.1/shuangsui \
--       init --create-tables-only --grant-to shuangsui_app
-- It grants USAGE on the schema, SELECT and INSERT on the event and chain tables, USAGE
-- on their sequences, and UPDATE on the event table only, which the library's
-- 'LOCK TABLE ... IN EXCLUSIVE MODE' (how writers take turns) requires; the append-only
-- trigger still refuses every UPDATE. The service then runs as shuangsui_app with
-- SHUANGSUI_CREATE_TABLES=n (it never issues CREATE TABLE IF NOT EXISTS), and its first
-- 'shuangsui init' writes the keys and the genesis.
