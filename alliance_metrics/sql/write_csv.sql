-- The view `safe_frame` (export.write_csv: the frame with its text cells neutralised) as a CSV
-- file at $path: a header line, comma-separated, double quotes, \n line ends.
copy safe_frame to $path (format csv, header true, delimiter ',', quote '"', new_line '\n')
