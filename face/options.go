package face

// Validate reports whether the options name a known detector and a score
// threshold in range, as Detect and Embed would check them; callers that
// take options from users (the binary's face command) refuse bad ones early.
func (o Options) Validate() error {
	_, err := o.normalized()
	return err
}
