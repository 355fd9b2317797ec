-- The start of the latest session goal_ratings reads (attended, or carrying a goal rating): an
-- $until after it reads the same rows as no $until at all.
select max(scheduled_start)
from sessions
where status = 'attended' or goal_rating is not null;
