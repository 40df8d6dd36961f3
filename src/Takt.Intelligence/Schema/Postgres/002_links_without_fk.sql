-- SQLite drops the link's foreign key in this step (see its script); PostgreSQL keeps it.
SELECT 1;
