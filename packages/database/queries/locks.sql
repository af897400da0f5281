-- Cross-replica exclusion for one token refresh: held until the transaction
-- ends, released by the server if the holder's connection dies.
-- name: AcquireRefreshLock :exec
SELECT pg_advisory_xact_lock(hashtextextended(@lock_key::text, 0));
