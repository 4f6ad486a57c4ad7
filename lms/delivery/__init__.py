"""The coach's browser experience: modules, lessons, quizzes, progress and live sessions."""
