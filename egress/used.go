package egress

// Used is how many requests the session has made, for usage receipts.
func (s *Session) Used() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.used
}
