-- name: InsertUser :one
INSERT INTO users (id, username, name)
VALUES (@id, @username, @name)
RETURNING *;

-- name: GetUserByID :one
SELECT * FROM users WHERE id = @id;
