runner-images:
	docker buildx bake --progress plain $(TARGETS)
