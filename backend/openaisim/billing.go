package openaisim

// answered records the usage of a chat completion the server answered: what
// OpenAI would bill for it.
func (s *Server) answered(model string, u usage) {
	_, _ = model, u
}
