-- Moderated Q&A of a poll: participants ask questions and upvote others' (one vote per participant and
-- question); nothing reaches the big screen before a moderator approves it. alliance.qa is the only writer.
ALTER TABLE polls ADD COLUMN IF NOT EXISTS qa BOOLEAN DEFAULT false;

CREATE SEQUENCE IF NOT EXISTS poll_qa_ids;

CREATE TABLE IF NOT EXISTS poll_qa_questions (
    id          BIGINT PRIMARY KEY DEFAULT nextval('poll_qa_ids'),
    poll_code   VARCHAR NOT NULL,
    participant VARCHAR NOT NULL CHECK (regexp_full_match(participant, '[A-Za-z0-9_-]{16,64}')),
    text        VARCHAR CHECK (length(text) BETWEEN 1 AND 280),  -- NULL once removed by the retention rule
    asked_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    status      VARCHAR NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'hidden', 'answered')),
    decided_at  TIMESTAMP,
    decided_by  VARCHAR
);

CREATE TABLE IF NOT EXISTS poll_qa_votes (
    question_id BIGINT NOT NULL,
    participant VARCHAR NOT NULL CHECK (regexp_full_match(participant, '[A-Za-z0-9_-]{16,64}')),
    voted_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (question_id, participant)
);
