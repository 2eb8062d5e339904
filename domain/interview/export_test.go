package interview

// SetAfterClashCheck installs a hook run between Schedule's clash check and
// its insert (tests of concurrent bookings).
func SetAfterClashCheck(s *Service, f func()) { s.afterClashCheck = f }
