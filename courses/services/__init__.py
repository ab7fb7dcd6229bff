"""Every write of the courses app: enrolment, study progress and credit hours."""
