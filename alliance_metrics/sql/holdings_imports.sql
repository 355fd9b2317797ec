-- The file names of the imports that wrote rows (the demo's are recognised by theirs).
select file_name
from imports
where outcome = 'imported';
