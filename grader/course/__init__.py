"""The instructor's side of a course: building references, releasing the students' copy,
generating stub notebooks, Gradescope's scripts."""
